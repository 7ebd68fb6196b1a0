namespace Tongban.Infra.Tests;
