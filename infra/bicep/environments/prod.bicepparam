// Production: the provinces' live gateways. Secret values are set in the vault, never here.
using '../main.bicep'

param environmentName = 'prod'
param operators = [
  'duty-operator'
]
param taskHubName = 'TongbanProd'
param storageSkuName = 'Standard_ZRS'
param logRetentionInDays = 90
// Storage and Key Vault only through private endpoints; the app's outbound traffic through the VNet and its NAT gateway.
param privateNetworking = true
// PII key ring: the vault entry pii-key-k1 must hold 32 random bytes (Base64) before deploying; see infra/README.md.
param piiKeyIds = [
  'k1'
]
param piiActiveKeyId = 'k1'
param alertEmails = [
  'tongban-ops@example.gov.cn'
]

param provinces = [
  {
    code: '330000' // Zhejiang
    scheme: 'zj-gateway'
    baseUrl: 'https://gateway.zj.example.gov.cn'
    settings: {
      appKey: 'tongban-hub'
    }
    secretFields: [
      'appSecret'
    ]
    callbackOrigins: [
      'https://partner.zj.example.gov.cn'
    ]
  }
  {
    code: '310000' // Shanghai
    scheme: 'sh-hmac'
    baseUrl: 'https://gateway.sh.example.gov.cn'
    settings: {
      appKey: 'tongban-hub'
      callbackKey: 'sh-callback'
    }
    secretFields: [
      'appSecret'
      'callbackSecret'
    ]
    callbackOrigins: [
      'https://partner.sh.example.gov.cn'
    ]
  }
  {
    code: '360000' // Jiangxi
    scheme: 'jx-esb'
    baseUrl: 'https://gateway.jx.example.gov.cn'
    settings: {
      appId: 'tongban-hub'
    }
    secretFields: [
      'appSecret'
    ]
    callbackOrigins: [
      'https://partner.jx.example.gov.cn'
    ]
  }
  {
    code: '340000' // Anhui
    scheme: 'ah-tif'
    baseUrl: 'https://gateway.ah.example.gov.cn'
    settings: {
      paasId: 'tongban-hub'
      appId: 'ah-app-0001'
      sm2UserId: '1234567812345678'
    }
    // The PEM public keys are not secret; they live beside the private key so a key pair rotates in one place.
    secretFields: [
      'paasToken'
      'sm4KeyHex'
      'hubSm2PrivateKeyPem'
      'hubSm2PublicKeyPem'
      'provinceSm2PublicKeyPem'
    ]
    callbackOrigins: [
      'https://partner.ah.example.gov.cn'
    ]
  }
]
