import { colorsTuple, MantineProvider, type MantineThemeOverride, mergeThemeOverrides } from "@mantine/core";
import { type ReactNode, useMemo } from "react";
import { useBrandColor } from "./brand-color";

/** Mantine with the portal's theme, its primary colour replaced by the brand's when one is shown. */
export function BrandedMantineProvider({
  theme,
  children,
}: {
  theme: MantineThemeOverride;
  children: ReactNode;
}) {
  const color = useBrandColor();
  const branded = useMemo(
    () =>
      color
        ? mergeThemeOverrides(theme, { colors: { brand: colorsTuple(color) }, primaryColor: "brand" })
        : theme,
    [theme, color],
  );
  return <MantineProvider theme={branded}>{children}</MantineProvider>;
}
