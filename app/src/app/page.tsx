import { AddressForm } from "@/components/AddressForm";

export default function HomePage() {
  return (
    <>
      <section className="card">
        <h1>Portfolio stake</h1>
        <p>
          Lock NMR once and spread it over your Numerai models with one weight vector. Reallocating is a single
          transaction that takes effect from the next round; rounds already open keep the stake and weights they opened
          with.
        </p>
      </section>
      <AddressForm />
    </>
  );
}
