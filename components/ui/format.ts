// The console's formatting lives in lib/format.ts; components import it from here too.
export * from '@/lib/format';
