import { Collapse, createTheme } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "indigo",
  fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
  defaultRadius: "md",
  components: {
    // Mantine's default keeps closed content in a hidden React <Activity>, which defers its updates: opening
    // the navigation's Settings group showed a stale list, then inserted "Operator settings" above
    // "Security" a moment later, so a click already pressed on Security was released on another item and
    // lost. display:none keeps closed content rendered and current, so it opens as it will stay.
    Collapse: Collapse.extend({ defaultProps: { keepMountedMode: "display-none" } }),
  },
});
