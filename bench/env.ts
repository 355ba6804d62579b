/**
 * Imported first by run.ts: the logger and the AWS SDK read these when their modules load, so
 * they must be set before any service module is evaluated.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Node 20 here, nodejs24.x on Lambda: the SDK's notice about Node 20 is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
