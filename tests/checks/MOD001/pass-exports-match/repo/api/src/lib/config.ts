const config = { port: 3005 };
export default config;
