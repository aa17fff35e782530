import axios from 'axios';

// The gateway (web, port 3001) is the only API the browser talks to.
const API_URL = process.env.REACT_APP_API_URL || 'http://localhost:3001';

const client = axios.create({
  baseURL: `${API_URL}/api`,
  timeout: 5000,
});

export default client;
