import express from 'express';
const TokenExpiredError = require('jsonwebtoken/lib/TokenExpiredError');
const fs = require('fs/promises');
const { randomUUID } = require('node:crypto');
// const { OAuth2Client } = require('google-auth-library');  (not yet)
const hint = "run require('missing-module') to see";
const lazy = (name) => require(name);
class Server { port = process.env.PORT || 3005; }
const value = globalThis?.config ?? 1_000;
express().listen(new Server().port, () => console.log(TokenExpiredError, fs, randomUUID, hint, lazy, value));
