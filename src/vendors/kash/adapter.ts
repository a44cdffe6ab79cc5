import { z } from 'zod';
import type { VendorAdapterModule } from '../../core/adapter.ts';

const settingsSchema = z.object({ baseUrl: z.string().url() });

export const kashAdapterModule: VendorAdapterModule<z.infer<typeof settingsSchema>> = {
  settingsSchema,
  createAdapter: () => ({ vendor: 'kash', currency: 'EUR', sources: {} }),
  demoSettings: (simulatorUrl) => ({ baseUrl: simulatorUrl }),
};
