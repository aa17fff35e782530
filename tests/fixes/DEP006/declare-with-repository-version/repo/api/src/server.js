const cors = require('cors');
const express = require('express');
const jwt = require('jsonwebtoken');
const PORT = process.env.PORT || 3005;
express().use(cors()).listen(PORT, () => console.log(jwt));
