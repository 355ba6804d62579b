// First, before any module that reads the environment when it loads (the logger does).
import './apply-test-env.ts';
import { inject } from 'vitest';
import { logger } from '../../shared/logger.ts';
import { assertCaptured, captureLogs } from './log-capture.ts';

captureLogs(inject('logDir'));
// The capture proves itself before any test runs: a scan of nothing would prove nothing.
logger.debug('log capture check', { audit: 'capture-check', worker: process.pid });
assertCaptured(inject('logDir'), 'capture-check');
