import React from 'react';
import { createRoot } from 'react-dom/client';
import axios from 'axios';

createRoot(document.getElementById('root')).render(React.createElement('p', null, String(axios)));
