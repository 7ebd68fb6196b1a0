// One private endpoint into the endpoints subnet, with its address registered in the private DNS zone.

@description('Azure region.')
param location string

@description('Name prefix of the hub\'s private endpoints; this one is named {prefix}-{groupId}.')
param endpointNamePrefix string

@description('Tags for every resource.')
param tags object

@description('Subnet the endpoint takes its private address from.')
param subnetId string

@description('Resource the endpoint connects to (storage account or vault).')
param targetId string

@description('Private-link group of the target: blob, queue, table or vault.')
param groupId string

@description('Private DNS zone the endpoint\'s A record goes into.')
param zoneId string

var endpointName = '${endpointNamePrefix}-${groupId}'

resource endpoint 'Microsoft.Network/privateEndpoints@2026-03-01' = {
  name: endpointName
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: endpointName
        properties: {
          privateLinkServiceId: targetId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-03-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: zoneId
        }
      }
    ]
  }
}

output endpointId string = endpoint.id
