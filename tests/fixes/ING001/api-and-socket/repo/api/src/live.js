const { Server } = require('socket.io');
module.exports = (http) => new Server(http);
