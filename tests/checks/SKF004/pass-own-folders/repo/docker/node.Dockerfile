FROM node:20-alpine
ARG SERVICE
WORKDIR /app
COPY ${SERVICE}/ ./
CMD ["node", "server.js"]
