// The hub's storage account: Durable task hub, province queues, tables and the deployment package.
// Entra ID only; no account key or SAS can be used against it.

import { province, provinceQueue, provincePoisonQueue } from '../types.bicep'

@description('Azure region.')
param location string

@description('Storage account name.')
param accountName string

@description('Blob container the Flex Consumption deployment package goes to.')
param deploymentContainerName string

@description('Tags for every resource.')
param tags object

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string

@description('True: reachable only through private endpoints (public network access off, firewall default-deny).')
param privateNetworking bool

@description('Member provinces; each gets a work queue and its poison twin.')
param provinces province[]

@description('Durable task hub name (Tongban__TaskHub).')
param taskHubName string

@description('Durable control-queue partitions, as host.json extensions.durableTask.storageProvider.partitionCount.')
@minValue(1)
@maxValue(16)
param partitionCount int

// Durable's Azure Storage provider lower-cases the hub name for queues and blob containers.
var hubQueuePrefix = toLower(taskHubName)

var provinceQueues = flatten(map(provinces, p => [provinceQueue(p.code), provincePoisonQueue(p.code)]))
var hubQueues = concat(
  map(range(0, partitionCount), i => '${hubQueuePrefix}-control-${padLeft(i, 2, '0')}'),
  ['${hubQueuePrefix}-workitems']
)
var hubTables = [
  '${taskHubName}History'
  '${taskHubName}Instances'
  '${taskHubName}Partitions'
]

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      // No exception for "trusted Azure services": nothing but the app (through its endpoints) reads this account.
      bypass: 'None'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [
  for name in concat(provinceQueues, hubQueues): {
    parent: queueService
    name: name
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = [
  for name in hubTables: {
    parent: tableService
    name: name
  }
]

output accountName string = account.name
output accountId string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
