exports.getItems = () => [];
exports.getItem2 = () => null;
