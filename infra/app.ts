/**
 * The CDK app (`cdk.json` runs it: `npx tsx infra/app.ts`). Options come from CDK context, the fleet config
 * file from `-c fleetConfig=<path>`, $SMPP_FLEET_CONFIG, or fleet.config.example.json (docs/deploy.md).
 * A bad option or config stops synth with every problem named, and no stack trace.
 */
import { createFleetApp } from './createFleetApp.js';
import { StackInputError } from './errors.js';

try {
  createFleetApp().app.synth();
} catch (error) {
  if (error instanceof StackInputError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
