class Db {}
module.exports = new Db();
