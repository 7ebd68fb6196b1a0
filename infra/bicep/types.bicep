// Shapes and naming shared by main.bicep and its modules, so a province is described once.

@export()
@description('A member province. Adding one to the list adds its queues, app settings and vault entries.')
type province = {
  @description('Administrative division code, e.g. 330000; names the queues and configuration sections.')
  @minLength(6)
  @maxLength(6)
  code: string

  @description('Protocol family the hub picks the adapter factory by: zj-gateway, sh-hmac, jx-esb, ah-tif.')
  scheme: string

  @description('The province server; the spec path prefixes are appended to it.')
  baseUrl: string

  @description('Credential fields that are not secret (app keys, ids); set as plain app settings.')
  settings: {
    *: string
  }

  @description('Credential fields that are secret; each one is read from the vault entry provinceVaultEntry(code, field).')
  secretFields: string[]

  @description('Origins (scheme://host[:port]) the province\'s partner platform may register as callbackUrl; https only.')
  @minLength(1)
  callbackOrigins: string[]
}

@export()
@description('Vault entry of the partner-API signing secret a member province uses towards the hub.')
func partnerVaultEntry(code string) string => 'partner-${code}-secret'

@export()
@description('Vault entry of an operator\'s signing secret for the operator API.')
func operatorVaultEntry(id string) string => 'operator-${id}-secret'

@export()
@description('Vault entry of one secret credential field of a province.')
func provinceVaultEntry(code string, field string) string => 'province-${code}-${field}'

@export()
@description('App Service Key Vault reference to the newest version of a vault entry.')
func keyVaultReference(vaultUri string, entry string) string => '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${entry}/)'

@export()
@description('App Service Key Vault reference to a versionless secret URI (the newest version).')
func keyVaultSecretReference(secretUri string) string => '@Microsoft.KeyVault(SecretUri=${secretUri})'

@export()
@description('Work queue the hub dispatches a province step on.')
func provinceQueue(code string) string => 'province-${code}'

@export()
@description('Where the Functions host moves a province message after maxDequeueCount attempts.')
func provincePoisonQueue(code string) string => 'province-${code}-poison'

@export()
@description('Vault entry of one key of the PII key ring (32 random bytes, Base64).')
func piiKeyVaultEntry(id string) string => 'pii-key-${id}'

@export()
@description('Private DNS zone of each private-link group the hub uses, in the cloud being deployed to (China clouds included).')
func privateLinkZones() object => {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  table: 'privatelink.table.${environment().suffixes.storage}'
  // keyvaultDns is '.vault.azure.net' (or '.vault.azure.cn'); the private-link zone is 'privatelink.vaultcore.…'.
  vault: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
}
