// Tongban hub in one resource group: Function App (Flex Consumption), storage, Key Vault, monitoring, alerts,
// and (privateNetworking) the virtual network that keeps storage and Key Vault off the internet.
// Deploy with: az deployment group create -g <rg> -f infra/bicep/main.bicep -p infra/bicep/environments/<env>.bicepparam

import { province, piiKeyVaultEntry } from 'types.bicep'

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

@description('IDs of the PII key ring (letters and digits); each key is the vault entry pii-key-{id}, set before the app is deployed.')
@minLength(1)
param piiKeyIds string[]

@description('The PII key ring ID new personal data is encrypted with; one of piiKeyIds.')
param piiActiveKeyId string

@description('True: storage and Key Vault are reachable only through private endpoints in the hub\'s virtual network, and the app sends all outbound traffic through it. False (dev only): public endpoints, Entra ID still required.')
param privateNetworking bool = true

@description('Address space of the virtual network when privateNetworking (a /23 or larger: the app subnet is its first /24, the endpoints the next /26).')
param vnetAddressSpace string = '10.40.0.0/23'

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

@description('Addresses the alerts go to.')
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
  vnet: 'vnet-tongban-${token}'
  endpointPrefix: 'pe-tongban-${token}'
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

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'tongban-network'
  params: {
    location: location
    vnetName: names.vnet
    tags: tags
    addressSpace: vnetAddressSpace
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
    privateNetworking: privateNetworking
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
    privateNetworking: privateNetworking
  }
}

// Storage (blob, queue, table) and the vault each get an endpoint in the endpoints subnet. Azure Files is not
// among them: Flex Consumption keeps no content share, the package comes from the blob container.
var privateLinkGroups = [
  'blob'
  'queue'
  'table'
  'vault'
]

module endpoints 'modules/private-endpoint.bicep' = [
  for group in privateLinkGroups: if (privateNetworking) {
    name: 'tongban-endpoint-${group}'
    params: {
      location: location
      endpointNamePrefix: names.endpointPrefix
      tags: tags
      subnetId: network!.outputs.endpointSubnetId
      targetId: group == 'vault' ? vault.outputs.vaultId : storage.outputs.accountId
      groupId: group
      zoneId: network!.outputs.zoneIds[group]
    }
  }
]

resource deployedVault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: names.vault
  dependsOn: [
    vault
  ]
}

// The deployment reads each PII key's vault entry (its metadata, never its value). If an operator has not set
// the key yet, the deployment stops here, before the app is configured, instead of the app stopping at start-up.
resource piiKeyEntries 'Microsoft.KeyVault/vaults/secrets@2025-05-01' existing = [
  for id in piiKeyIds: {
    parent: deployedVault
    name: piiKeyVaultEntry(id)
  }
]

module functionApp 'app/function-app.bicep' = {
  name: 'tongban-function-app'
  // The app reaches storage and the vault through the endpoints: they exist before it starts.
  dependsOn: [
    endpoints
  ]
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
    piiKeys: [
      for (id, i) in piiKeyIds: {
        id: id
        secretUri: piiKeyEntries[i].properties.secretUri
      }
    ]
    piiActiveKeyId: piiActiveKeyId
    appSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
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
@description('Static address the app calls provinces and partners from (privateNetworking); empty otherwise.')
output egressIpAddress string = privateNetworking ? network!.outputs.egressIpAddress : ''
