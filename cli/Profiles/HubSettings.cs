using Tongban.Client;

namespace Tongban.Cli.Profiles;

/// <summary>
/// Where the hub is and who signs, as one run resolved them. Precedence: <c>--profile NAME</c> given on the command line:
/// that profile alone. Otherwise the environment (<c>TONGBAN_URL</c>, <c>TONGBAN_PARTNER</c>, <c>TONGBAN_SECRET</c>,
/// <c>TONGBAN_OPERATOR</c>, <c>TONGBAN_OPERATOR_SECRET</c>), each value it lacks taken from the profile named by
/// <c>TONGBAN_PROFILE</c> or else the file's default. Secrets are never taken from the command line.
/// </summary>
public sealed class HubSettings
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    private readonly ProfilesFile file;
    private readonly string profilesPath;

    private HubSettings(Uri url, Profile effective, string? profileName, ProfilesFile file, string profilesPath)
    {
        Url = url;
        Effective = effective;
        ProfileName = profileName;
        this.file = file;
        this.profilesPath = profilesPath;
    }

    public Uri Url { get; }

    /// <summary>The values in force, merged as the precedence says.</summary>
    public Profile Effective { get; }

    public string? ProfileName { get; }

    public static HubSettings Resolve(CliEnvironment environment, string? profileOption, string? urlOption)
    {
        var store = new ProfileStore(environment.ProfilesPath);
        var file = store.Load();
        if (store.ReadableByOthers)
        {
            environment.Error.WriteLine($"tongban: warning: {store.Path} holds secrets and others may read it (chmod 600 it)");
        }

        Profile effective;
        string? name;
        if (profileOption is not null)
        {
            name = profileOption;
            effective = file.Profiles.TryGetValue(name, out var chosen) ? chosen
                : throw new CliFailureException(ExitCodes.Usage, $"no profile '{name}' in {store.Path} (tongban profile list shows them)");
        }
        else
        {
            name = environment.Variable("TONGBAN_PROFILE") is { Length: > 0 } named ? named : file.Default;
            var fallback = name is not null && file.Profiles.TryGetValue(name, out var found) ? found : new Profile();
            if (name is not null && environment.Variable("TONGBAN_PROFILE") is { Length: > 0 } && !file.Profiles.ContainsKey(name))
            {
                throw new CliFailureException(ExitCodes.Usage, $"TONGBAN_PROFILE names '{name}', which is not in {store.Path}");
            }

            // An identity comes whole from one place: a partner code from the environment never pairs with a profile's secret.
            var partnerFromEnvironment = Value(environment, "TONGBAN_PARTNER") is not null;
            var operatorFromEnvironment = Value(environment, "TONGBAN_OPERATOR") is not null;
            effective = new Profile
            {
                Url = Value(environment, "TONGBAN_URL") ?? fallback.Url,
                Partner = partnerFromEnvironment ? Value(environment, "TONGBAN_PARTNER") : fallback.Partner,
                Secret = partnerFromEnvironment ? Value(environment, "TONGBAN_SECRET") : fallback.Secret,
                Operator = operatorFromEnvironment ? Value(environment, "TONGBAN_OPERATOR") : fallback.Operator,
                OperatorSecret = operatorFromEnvironment ? Value(environment, "TONGBAN_OPERATOR_SECRET") : fallback.OperatorSecret,
            };
        }

        var url = urlOption ?? effective.Url ?? DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliFailureException(ExitCodes.Usage, $"hub URL '{url}' is not an http(s) URL");
        }

        return new HubSettings(uri, effective, name, file, store.Path);
    }

    /// <summary>
    /// The partner credentials: as resolved, or with <paramref name="asPartner"/> those of that member code, from the resolved
    /// identity when it is that code, else from the first profile holding it.
    /// </summary>
    public TongbanCredentials Partner(string? asPartner)
    {
        if (asPartner is null || asPartner == Effective.Partner)
        {
            if (Effective.Partner is null)
            {
                throw new CliFailureException(ExitCodes.Authentication,
                    $"no partner credentials: set TONGBAN_PARTNER and TONGBAN_SECRET, or add a profile (tongban profile set NAME --partner CODE; file {profilesPath})");
            }

            if (string.IsNullOrEmpty(Effective.Secret))
            {
                throw new CliFailureException(ExitCodes.Authentication, $"no secret for partner {Effective.Partner}: set TONGBAN_SECRET, or give the profile one");
            }

            return TongbanCredentials.Partner(Effective.Partner, Effective.Secret);
        }

        var holder = file.Profiles.Values.FirstOrDefault(p => p.Partner == asPartner && !string.IsNullOrEmpty(p.Secret))
            ?? throw new CliFailureException(ExitCodes.Authentication,
                $"no credentials for partner {asPartner}: no profile in {profilesPath} holds it (tongban profile set NAME --partner {asPartner})");
        return TongbanCredentials.Partner(asPartner, holder.Secret!);
    }

    public TongbanCredentials Operator()
    {
        if (Effective.Operator is null)
        {
            throw new CliFailureException(ExitCodes.Authentication,
                $"no operator credentials: set TONGBAN_OPERATOR and TONGBAN_OPERATOR_SECRET, or add them to a profile (file {profilesPath})");
        }

        if (string.IsNullOrEmpty(Effective.OperatorSecret))
        {
            throw new CliFailureException(ExitCodes.Authentication, $"no secret for operator {Effective.Operator}: set TONGBAN_OPERATOR_SECRET, or give the profile one");
        }

        return TongbanCredentials.Operator(Effective.Operator, Effective.OperatorSecret);
    }

    private static string? Value(CliEnvironment environment, string name) => environment.Variable(name) is { Length: > 0 } value ? value : null;
}
