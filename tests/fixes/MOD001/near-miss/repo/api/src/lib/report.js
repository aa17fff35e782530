module.exports = {
  sendReports: () => true,
  sendRepeat: () => true,
};
