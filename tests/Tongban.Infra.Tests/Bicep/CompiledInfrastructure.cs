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
        var snapshots = new Dictionary<string, DeploymentSnapshot>(StringComparer.Ordinal);
        foreach (var file in BicepCli.SourceFiles(".bicepparam"))
        {
            var target = Path.Combine(_output, Path.GetFileNameWithoutExtension(file) + ".parameters.json");
            var run = BicepCli.Run("build-params", file, "--outfile", target);
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} does not compile:{Environment.NewLine}{run.Diagnostics}");
            }

            parameters[file] = Load(target);
            snapshots[file] = new DeploymentSnapshot(Load(WriteSnapshot(file)));
        }

        ParameterFiles = parameters;
        Snapshots = snapshots;
    }

    public BicepRun MainBuild { get; }

    public ArmTemplate Main { get; }

    /// <summary>Compiled ARM parameter files, keyed by their .bicepparam path under infra/bicep.</summary>
    public IReadOnlyDictionary<string, JsonObject> ParameterFiles { get; }

    /// <summary>
    /// What each parameter file deploys, as `bicep snapshot` predicts it: every resource with the parameter file's
    /// values and the conditions applied, names resolved against a fixed subscription and resource group.
    /// </summary>
    public IReadOnlyDictionary<string, DeploymentSnapshot> Snapshots { get; }

    public DeploymentSnapshot Snapshot(string environment) => Snapshots[Path.Combine("environments", environment + ".bicepparam")];

    public void Dispose() => Directory.Delete(_output, recursive: true);

    /// <summary>The CLI writes the snapshot beside the parameter file; it is moved out at once, so the tree stays clean.</summary>
    private string WriteSnapshot(string file)
    {
        var environment = Path.GetFileNameWithoutExtension(file);
        var run = BicepCli.Run(
            "snapshot", file, "--mode", "overwrite",
            "--subscription-id", DeploymentSnapshot.SubscriptionId,
            "--resource-group", $"rg-tongban-{environment}",
            "--location", DeploymentSnapshot.Location);
        var written = Path.Combine(BicepCli.BicepRoot, Path.ChangeExtension(file, ".snapshot.json"));
        if (run.ExitCode != 0 || !File.Exists(written))
        {
            throw new InvalidOperationException($"No snapshot of {file}:{Environment.NewLine}{run.Diagnostics}");
        }

        var target = Path.Combine(_output, environment + ".snapshot.json");
        File.Move(written, target, overwrite: true);
        return target;
    }

    private static JsonObject Load(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();
}

[CollectionDefinition(Name)]
public sealed class CompiledInfrastructureCollection : ICollectionFixture<CompiledInfrastructure>
{
    public const string Name = "Compiled infrastructure";
}
