using System.Text.Json.Nodes;

namespace Tongban.Infra.Tests.Bicep;

/// <summary>main.bicep and the environment parameter files, compiled once per test run.</summary>
public sealed class CompiledInfrastructure : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("tongban-arm-").FullName;

    public CompiledInfrastructure()
    {
        MainBuild = BicepCli.Run("build", "main.bicep", "--outfile", Path.Combine(_output, "main.json"));
        if (MainBuild.ExitCode != 0)
        {
            throw new InvalidOperationException($"main.bicep does not compile:{Environment.NewLine}{MainBuild.Diagnostics}");
        }

        Main = new ArmTemplate(Load(Path.Combine(_output, "main.json")));

        var parameters = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var file in BicepCli.SourceFiles(".bicepparam"))
        {
            var target = Path.Combine(_output, Path.GetFileNameWithoutExtension(file) + ".parameters.json");
            var run = BicepCli.Run("build-params", file, "--outfile", target);
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} does not compile:{Environment.NewLine}{run.Diagnostics}");
            }

            parameters[file] = Load(target);
        }

        ParameterFiles = parameters;
    }

    public BicepRun MainBuild { get; }

    public ArmTemplate Main { get; }

    /// <summary>Compiled ARM parameter files, keyed by their .bicepparam path under infra/bicep.</summary>
    public IReadOnlyDictionary<string, JsonObject> ParameterFiles { get; }

    public void Dispose() => Directory.Delete(_output, recursive: true);

    private static JsonObject Load(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();
}

[CollectionDefinition(Name)]
public sealed class CompiledInfrastructureCollection : ICollectionFixture<CompiledInfrastructure>
{
    public const string Name = "Compiled infrastructure";
}
