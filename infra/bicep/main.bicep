// Tongban hub in one resource group: Function App (Flex Consumption), storage, Key Vault, monitoring, alerts.
// Deploy with: az deployment group create -g <rg> -f infra/bicep/main.bicep -p infra/bicep/environments/<env>.bicepparam

import { province } from 'types.bicep'

@description('Environment name (dev, test, prod); part of the resource name token and tags.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Azure region of every resource; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Member provinces. A fifth province is one more entry here plus its vault entries.')
@minLength(1)
param provinces province[]

@description('Operator IDs for the operator API (redrive, attention list); each one\'s secret is the vault entry operator-{id}-secret.')
param operators string[] = []

@description('Durable task hub name: letters and digits, starting with a letter.')
@minLength(3)
@maxLength(45)
param taskHubName string

@description('Marriage review window (TimeSpan, d.hh:mm:ss).')
param marriageReviewWindow string = '30.00:00:00'

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Upper bound of Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per Flex Consumption instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Days a deleted vault or entry stays recoverable.')
@minValue(7)
@maxValue(90)
param vaultSoftDeleteRetentionInDays int = 90

@description('Addresses the poison-queue and failed-case alerts go to.')
@minLength(1)
param alertEmails string[]

@description('Optional user or group object ID given Key Vault Secrets Officer to set the vault entries; empty for none.')
param vaultOfficerPrincipalId string = ''

@description('Principal type of vaultOfficerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param vaultOfficerPrincipalType string = 'Group'

// One token names every resource: stable per resource group and environment, unique across Azure.
var token = toLower(uniqueString(resourceGroup().id, environmentName))
var names = {
  workspace: 'log-tongban-${token}'
  appInsights: 'appi-tongban-${token}'
  storageAccount: 'sttongban${token}'
  deploymentContainer: 'app-package-${token}'
  vault: 'kv-tongban-${token}'
  plan: 'asp-tongban-${token}'
  functionApp: 'func-tongban-${token}'
  actionGroup: 'ag-tongban-${token}'
  alertPrefix: 'alert-tongban-${token}'
}
var tags = {
  application: 'tongban'
  environment: environmentName
}

// The storage layout follows the host's own settings, so queues and Durable partitions agree with host.json.
var hostJson = loadJsonContent('../../host.json')

module monitoring 'modules/monitoring.bicep' = {
  name: 'tongban-monitoring'
  params: {
    location: location
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'tongban-storage'
  params: {
    location: location
    accountName: names.storageAccount
    deploymentContainerName: names.deploymentContainer
    tags: tags
    skuName: storageSkuName
    provinces: provinces
    taskHubName: taskHubName
    partitionCount: hostJson.extensions.durableTask.storageProvider.partitionCount
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'tongban-vault'
  params: {
    location: location
    vaultName: names.vault
    tags: tags
    softDeleteRetentionInDays: vaultSoftDeleteRetentionInDays
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'tongban-function-app'
  params: {
    location: location
    planName: names.plan
    siteName: names.functionApp
    tags: tags
    provinces: provinces
    operators: operators
    taskHubName: taskHubName
    marriageReviewWindow: marriageReviewWindow
    storageAccountName: names.storageAccount
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    vaultUri: vault.outputs.vaultUri
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

// Runs after the Function App, which itself waits for storage, vault and monitoring.
module rbac 'modules/rbac.bicep' = {
  name: 'tongban-rbac'
  params: {
    functionAppName: names.functionApp
    appPrincipalId: functionApp.outputs.principalId
    storageAccountName: names.storageAccount
    vaultName: names.vault
    appInsightsName: names.appInsights
    vaultOfficerPrincipalId: vaultOfficerPrincipalId
    vaultOfficerPrincipalType: vaultOfficerPrincipalType
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'tongban-alerts'
  params: {
    location: location
    actionGroupName: names.actionGroup
    alertNamePrefix: names.alertPrefix
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmails: alertEmails
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.hostName
output functionAppPrincipalId string = functionApp.outputs.principalId
output storageAccountName string = storage.outputs.accountName
output vaultName string = vault.outputs.vaultName
output vaultUri string = vault.outputs.vaultUri
output appInsightsName string = monitoring.outputs.appInsightsName
