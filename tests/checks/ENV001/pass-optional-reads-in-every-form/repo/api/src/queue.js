const env = require('env-var');

function connect(hostname) {
  const namespace = hostname || process.env.BUS_NAMESPACE;
  if (!namespace) {
    console.log('no namespace: not sending');
    return null;
  }
  const region = env.get('BUS_REGION').asString();
  const retries = env.get('BUS_RETRIES').default('3').asIntPositive();
  return open(namespace, region, retries);
}
module.exports = { connect };
