# Open the UI in the default browser
Start-Process "http://localhost:3000"
