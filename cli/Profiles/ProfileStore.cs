using System.Text.Json;

namespace Tongban.Cli.Profiles;

/// <summary>Reads and writes the profiles file; written readable by its owner only, as it holds secrets.</summary>
public sealed class ProfileStore(string path)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Path => path;

    public bool Exists => File.Exists(path);

    /// <summary>The file's profiles, none when there is no file; a file that is not the expected JSON is a usage failure naming it.</summary>
    public ProfilesFile Load()
    {
        if (!File.Exists(path)) return new ProfilesFile();
        try
        {
            return JsonSerializer.Deserialize<ProfilesFile>(File.ReadAllBytes(path), Json) ?? new ProfilesFile();
        }
        catch (JsonException e)
        {
            throw new CliFailureException(ExitCodes.Usage, $"{path}: not a profiles file ({e.Message})");
        }
    }

    public void Save(ProfilesFile file)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var stream = OperatingSystem.IsWindows()
            ? new FileStream(temporary, FileMode.Create)
            : new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
        {
            JsonSerializer.Serialize(stream, file, Json);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Whether others than the owner may read the file (worth a warning: it holds secrets).</summary>
    public bool ReadableByOthers =>
        !OperatingSystem.IsWindows() && File.Exists(path)
        && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;
}
