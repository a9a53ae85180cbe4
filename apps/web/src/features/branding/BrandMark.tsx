import { Group, Image, Text } from "@mantine/core";
import type { EffectiveBrand } from "./api";
import { useApplyBrandColor } from "./brand-color";

/** The brand's logo and portal name (falls back to "sip2teams" while the brand loads). */
export function BrandMark({
  brand,
  preview = false,
}: {
  brand: EffectiveBrand | undefined;
  preview?: boolean;
}) {
  useApplyBrandColor(preview ? undefined : brand?.primaryColor, preview);
  return (
    <Group gap="xs" wrap="nowrap">
      {brand?.logoUrl && (
        <Image
          src={brand.logoUrl}
          alt=""
          h={28}
          w="auto"
          fit="contain"
          data-testid={preview ? undefined : "brand-logo"}
        />
      )}
      <Text
        fw={700}
        size="lg"
        c={brand?.primaryColor ?? "indigo"}
        data-testid={preview ? undefined : "brand-name"}
      >
        {brand?.portalName ?? "sip2teams"}
      </Text>
    </Group>
  );
}
