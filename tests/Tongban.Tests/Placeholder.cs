namespace Tongban.Tests;
