process.env.TEST_ONLY_TOKEN.split('.');
