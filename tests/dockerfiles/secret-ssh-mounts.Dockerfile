FROM node:20 AS build
WORKDIR /app
COPY package.json ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc \
    --mount=type=ssh \
    npm install
RUN --mount=type=tmpfs,target=/tmp npm run build
