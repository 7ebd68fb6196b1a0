using System.Text.Json.Nodes;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

[Collection(CompiledInfrastructureCollection.Name)]
public sealed class MonitoringTests(CompiledInfrastructure infra)
{
    [Fact]
    public void Application_insights_is_workspace_based_and_takes_only_entra_authenticated_telemetry()
    {
        var appInsights = infra.Main.Sole("Microsoft.Insights/components");
        var workspace = infra.Main.Sole("Microsoft.OperationalInsights/workspaces");

        Assert.Contains("Microsoft.OperationalInsights/workspaces", ArmTemplate.Text(appInsights, "properties.WorkspaceResourceId"), StringComparison.Ordinal);
        Assert.Equal("LogAnalytics", ArmTemplate.Text(appInsights, "properties.IngestionMode"));
        Assert.Equal("true", ArmTemplate.Text(appInsights, "properties.DisableLocalAuth"));
        Assert.NotNull(workspace["properties"]!["retentionInDays"]);
    }

    [Fact]
    public void App_sends_telemetry_with_its_identity()
    {
        var app = infra.Main.TemplateDeclaring("Microsoft.Web/sites");
        var settings = Expressions.Resolve(app, JsonValue.Create("[variables('monitoringSettings')]"))!;

        Assert.Equal("Authorization=AAD", (string?)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.NotNull(settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
    }

    [Fact]
    public void Messages_reaching_a_poison_queue_raise_an_alert_per_queue()
    {
        var alert = Alert("poisonQueueAlert");
        var criterion = alert["properties"]!["criteria"]!["allOf"]![0]!;
        var query = Query(criterion);

        Assert.Contains("Moving message to queue", query, StringComparison.Ordinal);
        Assert.Contains("endswith \"-poison\"", query, StringComparison.Ordinal);
        Assert.Equal("queue", (string?)criterion["dimensions"]![0]!["name"]);
        AssertFiresOnFirstOccurrence(alert);
    }

    [Fact]
    public void Cases_ending_failed_raise_an_alert()
    {
        var alert = Alert("failedCaseAlert");
        var query = Query(alert["properties"]!["criteria"]!["allOf"]![0]!);

        Assert.Contains("traces", query, StringComparison.Ordinal);
        Assert.Contains("^Case \\S+ ended Failed$", query, StringComparison.Ordinal);
        AssertFiresOnFirstOccurrence(alert);
    }

    private string Query(JsonNode criterion) =>
        Expressions.Resolve(infra.Main.TemplateDeclaring("Microsoft.Insights/scheduledQueryRules"), criterion["query"])!.ToString();

    private JsonObject Alert(string symbol)
    {
        var template = infra.Main.TemplateDeclaring("Microsoft.Insights/scheduledQueryRules");
        return template["resources"]![symbol]!.AsObject();
    }

    private static void AssertFiresOnFirstOccurrence(JsonObject alert)
    {
        var properties = alert["properties"]!;
        var criterion = properties["criteria"]!["allOf"]![0]!;

        Assert.Equal("LogAlert", (string?)alert["kind"]);
        Assert.Equal("[parameters('appInsightsId')]", (string?)properties["scopes"]![0]);
        Assert.Equal("Count", (string?)criterion["timeAggregation"]);
        Assert.Equal("GreaterThan", (string?)criterion["operator"]);
        Assert.Equal(0, (int)criterion["threshold"]!);
        Assert.True((bool)properties["enabled"]!);
        Assert.Equal("[resourceId('Microsoft.Insights/actionGroups', parameters('actionGroupName'))]", (string?)properties["actions"]!["actionGroups"]![0]);
    }
}
