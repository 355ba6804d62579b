/**
 * Imported first by run.ts: the logger and the AWS SDK read these when their modules load, so
 * they must be set before any service module is evaluated.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
