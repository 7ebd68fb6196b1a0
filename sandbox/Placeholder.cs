namespace Tongban.Sandbox;
