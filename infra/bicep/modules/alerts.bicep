// Log alerts over the app's Application Insights: messages reaching a poison queue, and failed cases.

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

// The Functions host logs "Message has reached MaxDequeueCount of N. Moving message to queue '<name>-poison'."
// each time it poisons a message: every such line is one more message in that poison queue.
var poisonQuery = '''
traces
| where message has "Moving message to queue"
| extend queue = extract(@"Moving message to queue '([^']+)'", 1, message)
| where queue endswith "-poison"
| project timestamp, queue
'''

// The hub logs "Case {CaseId} ended {Status}" when a case finishes.
var failedCaseQuery = '''
traces
| where message matches regex @"^Case \S+ ended Failed$"
| project timestamp, message
'''

resource poisonQueueAlert 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: '${alertNamePrefix}-poison-queue'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Tongban: messages moved to a province poison queue'
    description: 'A province message exhausted its retries and is waiting in province-{code}-poison for repair and re-drive.'
    severity: 2
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: poisonQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'queue'
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

resource failedCaseAlert 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: '${alertNamePrefix}-failed-cases'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Tongban: cases ended Failed'
    description: 'At least one cross-province case ended with status Failed in the window.'
    severity: 2
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: failedCaseQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
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
