// The hub's Function App: Flex Consumption, .NET 10 isolated worker, system-assigned identity.
// Every connection is identity-based; every secret is a Key Vault reference.

import {
  province
  partnerVaultEntry
  operatorVaultEntry
  provinceVaultEntry
  keyVaultReference
  keyVaultSecretReference
} from '../types.bicep'

@description('Azure region.')
param location string

@description('Flex Consumption plan name.')
param planName string

@description('Function App name.')
param siteName string

@description('Tags for every resource.')
param tags object

@description('Member provinces; each adds its partner, province and credential settings.')
param provinces province[]

@description('Operator IDs allowed to call the operator API; each signs with the vault entry operatorVaultEntry(id).')
param operators string[]

@description('Durable task hub name; host.json reads it as %Tongban__TaskHub%.')
param taskHubName string

@description('Marriage review window (TimeSpan, d.hh:mm:ss).')
param marriageReviewWindow string

@description('Storage account that holds the task hub, queues, tables and deployment package.')
param storageAccountName string

@description('Blob endpoint of the storage account.')
param blobEndpoint string

@description('Queue endpoint of the storage account.')
param queueEndpoint string

@description('Table endpoint of the storage account.')
param tableEndpoint string

@description('Blob container URL the deployment package is uploaded to.')
param deploymentContainerUrl string

@description('Vault URI (with trailing slash) the Key Vault references point into.')
param vaultUri string

@description('Application Insights connection string (endpoints and instrumentation key; not a credential once local auth is off).')
param appInsightsConnectionString string

@description('The PII key ring: each key\'s ID and the URI of its vault entry (read from the vault, so the entry exists).')
@minLength(1)
param piiKeys {
  id: string
  secretUri: string
}[]

@description('The key ring ID new personal data is encrypted with; one of piiKeys.')
param piiActiveKeyId string

@description('Subnet (delegated to Microsoft.App/environments) the app sends all outbound traffic through; empty: no VNet integration.')
param appSubnetId string

@description('Name of the audit heads\' SM2 signing key, written beside each signature; its PKCS#8 PEM is the vault entry audit-signing-key.')
param auditKeyId string = 'hub-1'

@description('Upper bound of Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

// AzureWebJobsStorage by identity: account name and service URIs, never a key or connection string.
var hostStorageSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint
}

var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  // Telemetry is sent with the system-assigned identity (Monitoring Metrics Publisher).
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
}

var hubSettings = {
  Tongban__TaskHub: taskHubName
  Tongban__Marriage__ReviewWindow: marriageReviewWindow
}

var provincePlainSettings = reduce(
  provinces,
  {},
  (merged, p) =>
    union(
      merged,
      {
        'Tongban__Provinces__${p.code}__Scheme': p.scheme
        'Tongban__Provinces__${p.code}__BaseUrl': p.baseUrl
      },
      toObject(items(p.settings), field => 'Tongban__Provinces__${p.code}__${field.key}', field => field.value)
    )
)

// Tongban:Partners:{code}:CallbackOrigins as a configuration list: one setting per index.
var partnerCallbackSettings = reduce(
  provinces,
  {},
  (merged, p) =>
    union(
      merged,
      toObject(
        range(0, length(p.callbackOrigins)),
        i => 'Tongban__Partners__${p.code}__CallbackOrigins__${i}',
        i => p.callbackOrigins[i]
      )
    )
)

var provinceSecretSettings = reduce(
  provinces,
  {},
  (merged, p) =>
    union(
      merged,
      {
        'Tongban__Partners__${p.code}__Secret': keyVaultReference(vaultUri, partnerVaultEntry(p.code))
      },
      toObject(
        p.secretFields,
        field => 'Tongban__Provinces__${p.code}__${field}',
        field => keyVaultReference(vaultUri, provinceVaultEntry(p.code, field))
      )
    )
)

// An active ID that is not in the ring fails the deployment here (empty filter, index 0).
var activePiiKey = filter(piiKeys, key => key.id == piiActiveKeyId)[0]

// The PII key ring: which key encrypts, and every key that may still decrypt (old ones until re-encryption is done).
var piiSettings = union(
  {
    Tongban__Pii__ActiveKeyId: activePiiKey.id
  },
  toObject(piiKeys, key => 'Tongban__Pii__Keys__${key.id}', key => keyVaultSecretReference(key.secretUri))
)

var operatorSecretSettings = toObject(operators, id => 'Tongban__Operators__${id}__Secret', id => keyVaultReference(vaultUri, operatorVaultEntry(id)))

// The audit trail's SM2 signing key (PKCS#8 PEM), set in the vault before the app is deployed, as the PII keys are.
var auditSettings = {
  Tongban__Audit__SigningKey: keyVaultReference(vaultUri, 'audit-signing-key')
  Tongban__Audit__KeyId: auditKeyId
}

var appSettings = union(
  hostStorageSettings,
  monitoringSettings,
  hubSettings,
  piiSettings,
  provincePlainSettings,
  partnerCallbackSettings,
  provinceSecretSettings,
  operatorSecretSettings,
  auditSettings
)

var vnetIntegrated = !empty(appSubnetId)

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: siteName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    // Outbound through the app subnet: storage and Key Vault (references included) by their private endpoints,
    // the provinces and partners through the NAT gateway.
    virtualNetworkSubnetId: vnetIntegrated ? appSubnetId : null
    outboundVnetRouting: vnetIntegrated
      ? {
          applicationTraffic: true
        }
      : null
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: map(items(appSettings), setting => {
        name: setting.key
        value: setting.value
      })
    }
  }
}

// Deployment goes through the identity to the package container, so publishing profiles stay off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = site.name
output hostName string = site.properties.defaultHostName
output principalId string = site.identity.principalId
