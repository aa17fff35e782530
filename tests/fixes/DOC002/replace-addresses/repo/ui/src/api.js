// The gateway.
const API_URL = process.env.REACT_APP_API_URL || 'http://172.17.40.29:3001';
export default API_URL;
