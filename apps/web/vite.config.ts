import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const api = process.env.SIP2TEAMS_API ?? "http://localhost:3000";

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { "/api": api, "/dev": api, "/healthz": api, "/readyz": api },
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
