import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("applies defaults for a zero-setup start", () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(config.usesEmbeddedPostgres).toBe(true);
    expect(config.usesM365Emulator).toBe(true);
    expect(config.isSmtpConfigured).toBe(false);
  });

  it("names every bad variable at once", () => {
    try {
      loadConfig({ PORT: "seventy", DATABASE_URL: "not a url", SECRETS_KEY: "short", LOG_LEVEL: "loud" });
      expect.unreachable("loadConfig accepted bad input");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      for (const name of ["PORT", "DATABASE_URL", "SECRETS_KEY", "LOG_LEVEL"])
        expect(message).toContain(name);
    }
  });

  it("demands a secrets key and SMTP in production, and a secret with a client id", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/SECRETS_KEY/);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ MICROSOFT_CLIENT_ID: "5e1a7c2b-0d3f-4a6e-9b1c-2f8d4e6a0b01" })).toThrow(
      /MICROSOFT_CLIENT_SECRET/,
    );
  });

  it("uses Microsoft instead of the emulator once an app registration is configured", () => {
    const config = loadConfig({
      MICROSOFT_CLIENT_ID: "5e1a7c2b-0d3f-4a6e-9b1c-2f8d4e6a0b01",
      MICROSOFT_CLIENT_SECRET: "s",
      DATABASE_URL: "postgres://u:p@db.internal:5432/sip2teams",
    });
    expect(config.usesM365Emulator).toBe(false);
    expect(config.usesEmbeddedPostgres).toBe(false);
  });
});
