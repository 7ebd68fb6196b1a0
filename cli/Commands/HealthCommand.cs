using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.Cli.Hub;

namespace Tongban.Cli.Commands;

/// <summary><c>tongban health</c>: the hub's anonymous health check, GET /api/v1/health (no credentials needed).</summary>
public static class HealthCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("health", "Is the hub up? GET /api/v1/health (anonymous)");
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var http = new HttpClient { BaseAddress = context.Settings.Url, Timeout = TimeSpan.FromSeconds(30) };
            HttpResponseMessage response;
            try
            {
                response = await http.GetAsync("/api/v1/health", ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                throw new CliFailureException(ExitCodes.Unavailable, $"cannot reach the hub at {context.Settings.Url}: {e.Message}");
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode) throw HubConnection.Failure(await Client.TongbanProblemException.FromResponseAsync(response, context.Environment.Time, ct));
                var text = await response.Content.ReadAsStringAsync(ct);
                JsonNode? json = null;
                try
                {
                    json = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                }

                context.Write(json, output => output.WriteLine($"hub {context.Settings.Url} is {CaseText.S(json, "status")}"));
                return ExitCodes.Ok;
            }
        }));
        return command;
    }
}
