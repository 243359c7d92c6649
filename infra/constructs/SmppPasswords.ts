/**
 * One Secrets Manager secret per sub-account holding its SMPP password (plain SecretString):
 * - config `password: { "secretId": "<name or ARN>" }` → that existing secret is referenced (never changed);
 * - config `password: { "env": "…" }` (the local form) → the stack creates an EMPTY secret named
 *   `<prefix>/smpp-password/<sub-account>` for the operator to fill (docs/deploy.md). It is created without
 *   a value on purpose: a generated random value would make the worker bind with a wrong password and
 *   collect rejected binds at 8x8; with no value the worker stands by for that sub-account until one is put.
 *
 * The worker reads the secret at run time with its task role (never through the task definition's
 * `secrets`, which would freeze the value at task start and show it to anyone who can describe tasks), so a
 * rotated password is picked up by the next bind.
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { PasswordSource, SubAccountConfig } from '../../core/fleetConfig.js';

export interface SmppPasswordsProps {
  readonly subAccounts: readonly Pick<SubAccountConfig, 'id' | 'password'>[];
  readonly resourcePrefix: string;
}

export interface SmppPassword {
  readonly subAccountId: string;
  readonly secret: secretsmanager.ISecret;
  /** True when this stack created the (empty) secret; false when the config referenced an existing one. */
  readonly created: boolean;
  /** What the worker passes to GetSecretValue: the config's name or ARN, or the created secret's ARN. */
  readonly secretId: string;
  /** The secret's ARN as a policy names it: `-??????` stands for the suffix AWS appends to a name. */
  readonly policyArn: string;
}

/** A complete secret ARN ends in `-` and the six characters Secrets Manager appends to the name. */
const completeSecretArn = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

export function smppPasswordSecretName(resourcePrefix: string, subAccountId: string): string {
  return `${resourcePrefix}/smpp-password/${subAccountId}`;
}

export class SmppPasswords extends Construct {
  /** By sub-account id, in config order. */
  public readonly bySubAccount: ReadonlyMap<string, SmppPassword>;

  constructor(scope: Construct, id: string, props: SmppPasswordsProps) {
    super(scope, id);
    const passwords = new Map<string, SmppPassword>();
    for (const account of props.subAccounts) {
      passwords.set(account.id, {
        subAccountId: account.id,
        ...this.secretFor(account.id, account.password, props.resourcePrefix),
      });
    }
    this.bySubAccount = passwords;
  }

  /** The password source the deployed worker is given: always a Secrets Manager ARN (or name). */
  passwordSourceFor(subAccountId: string): PasswordSource {
    const password = this.bySubAccount.get(subAccountId);
    if (password === undefined) throw new Error(`no SMPP password secret for sub-account ${subAccountId}`);
    return { secretId: password.secretId };
  }

  /**
   * GetSecretValue on these secrets only (the worker calls nothing else; CDK's grantRead adds
   * DescribeSecret), and decrypting with a secret's own KMS key if it has one.
   */
  grantRead(grantee: iam.IGrantable): void {
    for (const { secret, policyArn } of this.bySubAccount.values()) {
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['secretsmanager:GetSecretValue'],
        resourceArns: [policyArn],
      });
      secret.encryptionKey?.grantDecrypt(grantee);
    }
  }

  private secretFor(
    subAccountId: string,
    source: PasswordSource,
    resourcePrefix: string,
  ): Omit<SmppPassword, 'subAccountId'> {
    if ('secretId' in source) {
      const { secretId } = source;
      const complete = completeSecretArn.test(secretId);
      const policyArn = complete
        ? secretId
        : secretId.startsWith('arn:')
          ? `${secretId}-??????`
          : Stack.of(this).formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: `${secretId}-??????`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            });
      const secret = secretId.startsWith('arn:')
        ? secretsmanager.Secret.fromSecretAttributes(
            this,
            subAccountId,
            complete ? { secretCompleteArn: secretId } : { secretPartialArn: secretId },
          )
        : secretsmanager.Secret.fromSecretNameV2(this, subAccountId, secretId);
      return { secret, created: false, secretId, policyArn };
    }
    const secret = new secretsmanager.Secret(this, subAccountId, {
      secretName: smppPasswordSecretName(resourcePrefix, subAccountId),
      description: `SMPP password of 8x8 sub-account ${subAccountId} (plain text). Put it with put-secret-value.`,
    });
    // Created empty (see above): CloudFormation makes a secret without a value when neither is given.
    (secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride(
      'GenerateSecretString',
    );
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The SMPP password is issued by 8x8’s account manager and changed only through them; no rotation ' +
        'Lambda can change it at 8x8. After 8x8 issues a new one the operator puts it as a new secret version ' +
        'and the workers read it at their next bind.',
    });
    return { secret, created: true, secretId: secret.secretArn, policyArn: secret.secretArn };
  }
}
