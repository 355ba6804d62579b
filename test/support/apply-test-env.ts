import { inject } from 'vitest';
import { localAwsEnvironment } from '../../infra/local/stack.ts';
import { TEST_ENV } from './test-config.ts';

// Every test worker talks to the run's emulators through the SDK's standard variables, as the
// functions do under serverless-offline.
Object.assign(process.env, TEST_ENV, localAwsEnvironment(inject('endpoints')));
