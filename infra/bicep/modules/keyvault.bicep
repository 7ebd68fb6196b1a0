// The vault that holds partner and province secrets. RBAC only: no access policies.
// Entries are set by an operator after deployment (see infra/README.md); their values never pass through a template.

@description('Azure region.')
param location string

@description('Vault name.')
param vaultName string

@description('Tags for every resource.')
param tags object

@description('True: reachable only through its private endpoint (public network access off, firewall default-deny).')
param privateNetworking bool

@description('Days a deleted vault or entry can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Once on, it cannot be turned off: a deleted vault stays recoverable for the retention period.
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      // App Service resolves Key Vault references over the app's VNet integration, not as a trusted service.
      bypass: 'None'
    }
  }
}

output vaultName string = vault.name
output vaultId string = vault.id
output vaultUri string = vault.properties.vaultUri
