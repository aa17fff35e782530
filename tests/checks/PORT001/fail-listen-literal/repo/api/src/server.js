const express = require('express');
const jwt = require('jsonwebtoken');
express().listen(8080, () => console.log(jwt));
