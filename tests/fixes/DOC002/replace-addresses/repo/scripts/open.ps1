# Open the UI in the default browser
Start-Process "http://10.0.75.2:3000"
