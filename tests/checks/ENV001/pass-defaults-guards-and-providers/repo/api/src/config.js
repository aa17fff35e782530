const origins = (process.env.CORS_ORIGIN || 'http://localhost:3000').split(',');
const { LOG_LEVEL = 'info' } = process.env;
const region = process.env.AWS_REGION ?? 'ap-northeast-2';
const debug = process.env.DEBUG_SQL === 'true';
if (process.env.SENTRY_DSN) {
  console.log('sentry on');
}
const upload = process.env.UPLOAD_BUCKET;
if (upload) console.log('uploads to', upload);
const key = process.env.SIGNING_KEY;
const api = process.env.API_URL;
process.env.TZ_NAME = process.env.TZ_NAME || 'Asia/Seoul';
module.exports = { origins, LOG_LEVEL, region, debug, key, api, home: process.env.HOME };
