// The hub's private network: one subnet the Flex Consumption app sends its outbound traffic from, one for
// the private endpoints of storage and Key Vault, and the private DNS zones that resolve their names there.

import { privateLinkZones } from '../types.bicep'

@description('Azure region.')
param location string

@description('Virtual network name.')
param vnetName string

@description('Tags for every resource.')
param tags object

@description('Address space of the virtual network (at least a /23: the app subnet takes the first /24, the endpoints the next /26).')
param addressSpace string

// Flex Consumption scales out into this subnet: a /24 leaves room for the instance ceiling.
var appSubnetPrefix = cidrSubnet(addressSpace, 24, 0)
var endpointSubnetPrefix = cidrSubnet(addressSpace, 26, 4)

// All of the app's outbound traffic leaves through this gateway: one static address the province gateways
// and partners can allow, and the only way out of the app subnet (it has no default outbound access).
resource egressAddress 'Microsoft.Network/publicIPAddresses@2026-03-01' = {
  name: '${vnetName}-egress'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2026-03-01' = {
  name: '${vnetName}-nat'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIpAddresses: [
      {
        id: egressAddress.id
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressSpace
      ]
    }
    // Declared inline, so a redeployment does not remove and re-add subnets that are in use.
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: appSubnetPrefix
          // Flex Consumption integrates through a subnet delegated to Container Apps environments.
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          natGateway: {
            id: natGateway.id
          }
          defaultOutboundAccess: false
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: endpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Enabled'
          defaultOutboundAccess: false
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(privateLinkZones()): {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in items(privateLinkZones()): {
    parent: zones[i]
    name: vnetName
    location: 'global'
    tags: tags
    properties: {
      virtualNetwork: {
        id: vnet.id
      }
      registrationEnabled: false
    }
  }
]

output egressIpAddress string = egressAddress.properties.ipAddress
output appSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'app')
output endpointSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'private-endpoints')
@description('Private DNS zone ID by private-link group (blob, queue, table, vault).')
output zoneIds object = toObject(items(privateLinkZones()), zone => zone.key, zone => resourceId('Microsoft.Network/privateDnsZones', zone.value))
