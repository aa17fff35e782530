for (const name of ['a', 'b']) {
  exports[name] = () => name;
}
exports.c = 1;
