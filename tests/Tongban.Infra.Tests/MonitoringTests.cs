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
    public void Every_alert_fires_on_the_first_row_its_query_returns_and_mails_the_operators()
    {
        var template = infra.Main.TemplateDeclaring("Microsoft.Insights/scheduledQueryRules");
        var rule = template["resources"]!["alertRules"]!.AsObject();
        var properties = rule["properties"]!;
        var criterion = properties["criteria"]!["allOf"]![0]!;

        Assert.Equal("[length(variables('alerts'))]", (string?)rule["copy"]!["count"]);
        Assert.Equal("[variables('alerts')[copyIndex()].query]", (string?)criterion["query"]);
        Assert.Equal(7, AlertBindingTests.Alerts(infra).Count);
        Assert.Equal("LogAlert", (string?)rule["kind"]);
        Assert.Equal("[parameters('appInsightsId')]", (string?)properties["scopes"]![0]);
        Assert.Equal("Count", (string?)criterion["timeAggregation"]);
        Assert.Equal("GreaterThan", (string?)criterion["operator"]);
        Assert.Equal(0, (int)criterion["threshold"]!);
        Assert.Equal("true", properties["enabled"]!.ToString().ToLowerInvariant());
        Assert.Equal("[resourceId('Microsoft.Insights/actionGroups', parameters('actionGroupName'))]", (string?)properties["actions"]!["actionGroups"]![0]);
    }
}
