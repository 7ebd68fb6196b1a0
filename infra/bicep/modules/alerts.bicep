// Alerts over the app's Application Insights, each driven by the hub's own metrics (the Tongban meter, exported by the Azure
// Monitor OpenTelemetry exporter into customMetrics, tags as customDimensions) or by a structured log field (customDimensions of
// traces), never by a log line's wording. The names and fields are bound to the code by tests/Tongban.Infra.Tests/AlertBindingTests.

@description('Azure region.')
param location string

@description('Action group name.')
param actionGroupName string

@description('Name prefix of the alert rules.')
param alertNamePrefix string

@description('Tags for every resource.')
param tags object

@description('Application Insights the queries run against.')
param appInsightsId string

@description('Addresses the alerts are mailed to.')
param alertEmails string[]

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'tongban'
    enabled: true
    emailReceivers: [
      for (email, i) in alertEmails: {
        name: 'operator-${i}'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
  }
}

// Each query returns one row per thing to alert on (a province, a limit): the rule fires when it returns any.
var alerts = [
  {
    suffix: 'failed-cases'
    displayName: 'Tongban: a case ended Failed'
    description: 'tongban.cases.ended counted a case with status Failed (held for an operator\'s redrive, or closed).'
    severity: 2
    frequency: 'PT5M'
    window: 'PT5M'
    dimensions: ['province', 'case_type']
    query: '''
customMetrics
| where name == "tongban.cases.ended" and tostring(customDimensions["status"]) == "Failed"
| extend province = tostring(customDimensions["province"]), case_type = tostring(customDimensions["case_type"])
| summarize failed = sum(valueSum) by province, case_type
| where failed > 0
'''
  }
  {
    suffix: 'circuit-open'
    displayName: 'Tongban: a province circuit open for more than 5 minutes'
    description: 'tongban.province.circuit.open_duration passed 300 s: the province has not answered a probe for 5 minutes; its calls are parked.'
    severity: 2
    frequency: 'PT1M'
    window: 'PT5M'
    dimensions: ['province']
    query: '''
customMetrics
| where name == "tongban.province.circuit.open_duration"
| extend province = tostring(customDimensions["province"])
| summarize longest = max(valueMax) by province
| where longest > 300
'''
  }
  {
    suffix: 'poison-depth'
    displayName: 'Tongban: messages in a province poison queue'
    description: 'tongban.queue.poison.depth above 0: a province message exhausted its retries; the redrive timer moves it back once the province answers.'
    severity: 2
    frequency: 'PT5M'
    window: 'PT5M'
    dimensions: ['province']
    query: '''
customMetrics
| where name == "tongban.queue.poison.depth"
| extend province = tostring(customDimensions["province"])
| summarize deepest = max(valueMax) by province
| where deepest > 0
'''
  }
  {
    suffix: 'steps-parked'
    displayName: 'Tongban: steps parked for a province'
    description: 'tongban.steps.parked above 0: steps wait for their province to answer again.'
    severity: 3
    frequency: 'PT5M'
    window: 'PT5M'
    dimensions: ['province']
    query: '''
customMetrics
| where name == "tongban.steps.parked"
| extend province = tostring(customDimensions["province"])
| summarize parked = max(valueMax) by province
| where parked > 0
'''
  }
  {
    suffix: 'callbacks-behind'
    displayName: 'Tongban: partner callback delivery behind'
    description: 'A callback attempted more than 15 minutes after its status change (tongban.callbacks.lag), or a case whose callback delivery stopped (tongban.callbacks.stopped).'
    severity: 3
    frequency: 'PT5M'
    window: 'PT1H'
    dimensions: ['province']
    query: '''
customMetrics
| where (name == "tongban.callbacks.lag" and valueMax > 900) or (name == "tongban.callbacks.stopped" and valueMax > 0)
| extend province = tostring(customDimensions["province"])
| summarize behind = count() by province
'''
  }
  {
    suffix: 'hub-share'
    displayName: 'Tongban: the hub\'s share of case time p95 over 5 s'
    description: 'The p95 over the last hour of the HubShareSeconds field the hub logs as each case ends (event 9001) is over 5 s.'
    severity: 3
    frequency: 'PT15M'
    window: 'PT1H'
    dimensions: []
    query: '''
traces
| where isnotempty(customDimensions["HubShareSeconds"])
| summarize p95 = percentile(todouble(customDimensions["HubShareSeconds"]), 95)
| where p95 > 5
'''
  }
  {
    suffix: 'deadlines-missed'
    displayName: 'Tongban: legal time limits missed'
    description: 'tongban.deadlines.missed counted a case past a legal time limit (once per case and limit).'
    severity: 3
    frequency: 'PT15M'
    window: 'PT15M'
    dimensions: ['province', 'limit']
    query: '''
customMetrics
| where name == "tongban.deadlines.missed"
| extend province = tostring(customDimensions["province"]), limit = tostring(customDimensions["limit"])
| summarize missed = sum(valueSum) by province, limit
| where missed > 0
'''
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for alert in alerts: {
    name: '${alertNamePrefix}-${alert.suffix}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: alert.displayName
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: alert.frequency
      windowSize: alert.window
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            dimensions: [
              for dimension in alert.dimensions: {
                name: dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: false
      actions: {
        actionGroups: [
          operators.id
        ]
      }
    }
  }
]
