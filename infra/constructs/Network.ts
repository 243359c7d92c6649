/**
 * The workers' network. 8x8 accepts binds only from whitelisted source IPs, so workers sit in private
 * subnets and leave through one NAT gateway per availability zone, each on an Elastic IP that this construct
 * owns (or that the operator brings): those addresses are what the operator gives 8x8.
 *
 * The Elastic IPs it allocates are RETAINED when the stack is deleted: a whitelisted address takes 8x8 days
 * to change, so losing one by accident is expensive; pass them back with `natEipAllocationIds`.
 *
 * The worker security group admits nothing in and lets out only the SMPP ports and HTTPS (AWS APIs: SQS,
 * Secrets Manager, EventBridge, CloudWatch Logs, ECR; DynamoDB and S3 through free gateway endpoints, which
 * also keep that traffic off the NAT gateways' per-GB charge).
 */
import { RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { StackLimitError } from '../errors.js';

export interface NetworkProps {
  /** Ports the workers bind to at the SMSC (from the fleet config: 2776 TLS, 2775 plain by default). */
  readonly smppPorts: readonly number[];
  /** @default 2 (each zone has its own NAT gateway and Elastic IP) */
  readonly maxAzs?: number;
  /** Bring your own Elastic IPs, one per zone. @default allocate new ones */
  readonly natEipAllocationIds?: readonly string[];
  /** Flow log retention. @default 30 days */
  readonly logRetention?: logs.RetentionDays;
}

export class Network extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly workerSecurityGroup: ec2.SecurityGroup;
  /** The public IPs 8x8 must whitelist (tokens until deploy); empty when allocation ids were given. */
  public readonly natPublicIps: readonly string[];
  public readonly natEipAllocationIds: readonly string[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const zoneCount = Math.min(props.maxAzs ?? 2, Stack.of(this).availabilityZones.length);

    let allocationIds: string[];
    const publicIps: string[] = [];
    if (props.natEipAllocationIds !== undefined && props.natEipAllocationIds.length > 0) {
      if (props.natEipAllocationIds.length !== zoneCount) {
        throw new StackLimitError(
          `natEipAllocationIds has ${props.natEipAllocationIds.length} allocation ids; give exactly one per ` +
            `availability zone (${zoneCount}), or change maxAzs`,
        );
      }
      allocationIds = [...props.natEipAllocationIds];
    } else {
      allocationIds = [];
      for (let zone = 1; zone <= zoneCount; zone += 1) {
        const eip = new ec2.CfnEIP(this, `NatEip${zone}`, { domain: 'vpc' });
        eip.applyRemovalPolicy(RemovalPolicy.RETAIN);
        Tags.of(eip).add('Name', `smpp-fleet NAT ${zone} (whitelisted at 8x8)`);
        allocationIds.push(eip.attrAllocationId);
        publicIps.push(eip.attrPublicIp);
      }
    }
    this.natEipAllocationIds = allocationIds;
    this.natPublicIps = publicIps;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: zoneCount,
      natGateways: zoneCount,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: allocationIds }),
      subnetConfiguration: [
        { name: 'Egress', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Workers', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: {
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        // Image layers come from S3 when Fargate pulls from ECR.
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', {
              retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });

    this.workerSecurityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc: this.vpc,
      description: 'smpp-fleet workers: no inbound; outbound only to SMPP and HTTPS (AWS APIs)',
      allowAllOutbound: false,
    });
    for (const port of [...new Set(props.smppPorts)].sort((a, b) => a - b)) {
      this.workerSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `SMPP to 8x8 (${port})`);
    }
    this.workerSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to AWS APIs (through NAT or the gateway endpoints)',
    );
  }
}
