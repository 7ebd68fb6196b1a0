// Development: the provinces' test gateways. Secret values are set in the vault, never here.
using '../main.bicep'

param environmentName = 'dev'
param operators = [
  'duty-operator'
]
param taskHubName = 'TongbanDev'
// Dev keeps public endpoints (still Entra ID only, no keys) so developers reach storage and the vault directly.
param privateNetworking = false
// PII key ring: the vault entry pii-key-k1 must hold 32 random bytes (Base64) before deploying; see infra/README.md.
param piiKeyIds = [
  'k1'
]
param piiActiveKeyId = 'k1'
param alertEmails = [
  'tongban-dev@example.gov.cn'
]

param provinces = [
  {
    code: '330000' // Zhejiang
    scheme: 'zj-gateway'
    baseUrl: 'https://test-gateway.zj.example.gov.cn'
    settings: {
      appKey: 'tongban-hub'
    }
    secretFields: [
      'appSecret'
    ]
    callbackOrigins: [
      'https://test-partner.zj.example.gov.cn'
    ]
  }
  {
    code: '310000' // Shanghai
    scheme: 'sh-hmac'
    baseUrl: 'https://test-gateway.sh.example.gov.cn'
    settings: {
      appKey: 'tongban-hub'
      callbackKey: 'sh-callback'
    }
    secretFields: [
      'appSecret'
      'callbackSecret'
    ]
    callbackOrigins: [
      'https://test-partner.sh.example.gov.cn'
    ]
  }
  {
    code: '360000' // Jiangxi
    scheme: 'jx-esb'
    baseUrl: 'https://test-gateway.jx.example.gov.cn'
    settings: {
      appId: 'tongban-hub'
    }
    secretFields: [
      'appSecret'
    ]
    callbackOrigins: [
      'https://test-partner.jx.example.gov.cn'
    ]
  }
  {
    code: '340000' // Anhui
    scheme: 'ah-tif'
    baseUrl: 'https://test-gateway.ah.example.gov.cn'
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
      'https://test-partner.ah.example.gov.cn'
    ]
  }
]
