using System.CommandLine;

namespace Tongban.Cli;

/// <summary>Options every command takes (recursive on the root).</summary>
public static class GlobalOptions
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON: the hub's answer as it came (errors as {\"error\": ...}); cases watch prints one event per line",
        Recursive = true,
    };

    public static readonly Option<string?> Profile = new("--profile")
    {
        Description = "Use this profile of the profiles file alone (default: environment, then TONGBAN_PROFILE or the file's default)",
        HelpName = "name",
        Recursive = true,
    };

    public static readonly Option<string?> Url = new("--url")
    {
        Description = "The hub's base URL (default: TONGBAN_URL, the profile's, else " + Profiles.HubSettings.DefaultUrl + ")",
        Recursive = true,
    };

    public static readonly Option<string?> As = new("--as")
    {
        Description = "Sign as this member code, with the credentials of the profile that holds it",
        HelpName = "code",
        Recursive = true,
    };
}
